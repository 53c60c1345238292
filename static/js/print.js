// A print button (issue 14): shown only where this script runs, since without it the button would do
// nothing; the page says in words how to print with the browser's own command either way.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
