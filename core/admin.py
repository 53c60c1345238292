"""The base of every staff admin page: permissions from role and district scope (STYLE.md, NetBox).

Django's permission tables play no part here. Who may use the admin follows
from ``User.role`` (specialists, national administrators and superusers, all
with ``is_staff``); which rows they see and change follows from
``restrict(user, action)``, the same call views, the API and tasks make. An
object outside the user's scope answers 404, as if it did not exist, so a URL
typed by hand tells nothing about another district. Nothing is ever deleted
through the admin (RULES.md section 5: records are archived, never deleted).
The pages an admin adds for its use cases (a small form, a confirmation, an
extra URL) are written with one kit, ``ServiceActions``, never by hand.
The admin pages are the top of the app graph, so this module, alone in
``core``, imports the audit trail.
"""

from collections.abc import Callable
from functools import update_wrapper

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import Signal
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.admin_search import PostedSearchMixin
from core.errors import DomainError
from core.forms import add_service_error
from core.scoping import scope_path_of

VIEW, CHANGE = "view", "change"
#: The page of every small form of the admin's use cases (a reason, a date, a choice).
ACTION_FORM_TEMPLATE = "admin/applications/action_form.html"


def uses_admin(user) -> bool:
    """Whether ``user`` may work in the staff admin at all; the role decides (``User.uses_staff_admin``).

    Only once the session has passed the second factor (docs/security.md, "Staff second factor").
    """
    return bool(user.is_authenticated and user.uses_staff_admin and is_verified(user))


def is_verified(user) -> bool:
    """Whether the session passed the staff second factor: django-otp's middleware tells; without it, no."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


class ForbidsDelete:
    """No delete page, no delete action, for anyone: the site mixes it into every model admin."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


#: What the admin's index shows above the list of models, each a function of the request that
#: returns ``{"template": ..., **context}`` (or ``None`` to show nothing). The apps above core
#: register theirs when they load (placements: the specialist's day), so core imports none of them.
index_sections: list[Callable] = []


class StaffSignInForm(AdminAuthenticationForm):
    """The staff's one sign-in page admits every staff member with a page to work on (issue 14).

    Django's admin form admits only the ``is_staff`` flag; kindergarten staff
    and call-centre operators work on desks of their own, not in the admin,
    and need no such flag: they sign in here and land on their desk
    (``User.desk_url``). Parents are refused, as is a staff role with no page
    (the service centre works through the API).
    """

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff and user.is_staff_member and user.desk_url is not None:
            return
        super().confirm_login_allowed(user)


class KezekAdminSite(admin.AdminSite):
    """The admin site, closed to staff whose role has a desk of its own (call centre, service centre).

    A signed-in user without the admin gets 403 rather than Django's redirect to
    the login page: they are known, and simply not allowed here. A session that
    has given only the password is sent on to the second factor
    (``settings.SECOND_FACTOR_URL``) from the login page and from every admin page.
    """

    index_template = "admin/kezek_index.html"
    login_template = "admin/kezek_login.html"
    login_form = StaffSignInForm

    def has_permission(self, request):
        return uses_admin(request.user)

    def index(self, request, extra_context=None):
        sections = [section for make in index_sections if (section := make(request)) is not None]
        return super().index(request, {"sections": sections, **(extra_context or {})})

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin here, third-party ones too, forbids delete and gets the search box that posts.

        Nothing is deleted through the admin, whoever asks, superusers included
        (RULES.md section 5: records are archived, never deleted; issue 15, item 2):
        a model registered by a library (django-axes, say) is covered the day it is.
        """
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin for mixin in (ForbidsDelete, PostedSearchMixin) if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(
                admin_class.__name__, (*mixins, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    def login(self, request, extra_context=None):
        desk = self.desk_elsewhere(request)
        if desk is not None:
            return redirect(desk)
        # Someone signed in without the admin (a parent) is named as people are everywhere, not by username.
        who = {"username": str(request.user)} if request.user.is_authenticated else {}
        response = super().login(request, {**who, **(extra_context or {})})
        if request.user.is_authenticated and request.user.is_staff_member and not is_verified(request.user):
            next_url = response.url if response.status_code == 302 else request.GET.get(REDIRECT_FIELD_NAME)
            query = f"?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else ""
            return redirect(reverse(settings.SECOND_FACTOR_URL) + query)
        return response

    def desk_elsewhere(self, request) -> str | None:
        """The desk of a signed-in, verified staff member who works outside the admin, else ``None``.

        Kindergarten staff and call-centre operators who open the admin (its
        index, its sign-in page) are sent there instead of being refused: the
        admin's sign-in page is the staff's one sign-in page (issue 14).
        """
        user = request.user
        if not (user.is_authenticated and user.is_staff_member and is_verified(user)):
            return None
        if self.has_permission(request):
            return None
        return user.desk_url

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            signing_out = request.path == reverse("admin:logout", current_app=self.name)
            user = request.user
            if user.is_authenticated and not signing_out:
                if user.is_staff_member and not is_verified(user):
                    return redirect_to_login(
                        request.get_full_path(), reverse("admin:login", current_app=self.name)
                    )
                if not self.has_permission(request):
                    desk = self.desk_elsewhere(request)
                    if desk is not None and request.path == reverse("admin:index", current_app=self.name):
                        return redirect(desk)
                    raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)


def restrict_by_path(queryset, user, action: str, path: str):
    """``restrict`` for a model reached through ``path`` without a scoped manager of its own."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    district_ids = user.district_scope(action)
    if district_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": district_ids}).distinct()


def remembered(request, key, compute):
    """``compute()`` once per request: the admin asks the same permission question many times a page."""
    memo = request.__dict__.setdefault("_kezek_admin_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class ScopedPermissionsMixin:
    """Role and scope instead of Django's permission tables, shared by model admins and inlines.

    ``read_only`` admins let nobody add or change, superusers included;
    ``national_editors_only`` keeps adding and changing for national administrators
    (the country's directory of districts and settlements).
    """

    read_only = False
    national_editors_only = False

    def may_edit(self, request) -> bool:
        user = request.user
        if (
            self.read_only
            or not uses_admin(user)
            or (self.national_editors_only and not user.is_national_administrator)
        ):
            return False
        return remembered(request, ("change scope",), lambda: user.district_scope(CHANGE)) != set()


# Sent for every add and change saved through the admin, inside its transaction, with
# ``request``, ``obj``, ``message`` (Django's change message) and ``verb`` ("added" or
# "changed"). The audit app records it (``audit.changes``); core itself knows no audit trail.
admin_change = Signal()


class AnnouncesChanges:
    """Sends ``admin_change`` for every add and change, so the audit trail sees all admin writes."""

    def log_addition(self, request, obj, message):
        admin_change.send(sender=type(obj), request=request, obj=obj, message=message, verb="added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        admin_change.send(sender=type(obj), request=request, obj=obj, message=message, verb="changed")
        return super().log_change(request, obj, message)


class ScopedAdmin(ForbidsDelete, AnnouncesChanges, ScopedPermissionsMixin, admin.ModelAdmin):
    """A model admin whose rows, choices and permissions follow the user's district scope.

    Every add and change it saves is recorded in the audit trail (``admin_change``).

    Subclasses of models without a scoped manager set ``scope_path`` to the
    lookup from the model to its district, or override ``restricted``.
    """

    scope_path: str | None = None

    def restricted(self, queryset, user, action: str):
        if self.scope_path is not None:
            return restrict_by_path(queryset, user, action, self.scope_path)
        return queryset.restrict(user, action)

    def in_scope(self, request, obj, action: str) -> bool:
        """Whether ``obj`` lies inside the user's ``action`` scope; remembered for the request."""
        queryset = self.restricted(self.model._default_manager.all(), request.user, action)
        return remembered(
            request, ("in scope", self.opts.label_lower, obj.pk, action), queryset.filter(pk=obj.pk).exists
        )

    def get_queryset(self, request):
        if not uses_admin(request.user):
            return super().get_queryset(request).none()
        return self.restricted(super().get_queryset(request), request.user, VIEW)

    def get_object(self, request, object_id, from_field=None):
        """The object in the user's view scope, or 404 (never Django's redirect with a message).

        Staff without the admin (a call-centre operator) are refused before any look-up.
        """
        if not uses_admin(request.user):
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record in the districts you are assigned to."))
        return obj

    def has_module_permission(self, request):
        return uses_admin(request.user)

    def has_view_permission(self, request, obj=None):
        if not uses_admin(request.user):
            return False
        return obj is None or self.in_scope(request, obj, VIEW)

    def has_add_permission(self, request):
        return self.may_edit(request)

    def has_change_permission(self, request, obj=None):
        if not self.may_edit(request):
            return False
        return obj is None or self.in_scope(request, obj, CHANGE)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = _scoped_choices(db_field, request)
        if queryset is not None:
            kwargs.setdefault("queryset", queryset)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = _scoped_choices(db_field, request)
        if queryset is not None:
            kwargs.setdefault("queryset", queryset)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ServiceActions:
    """The staff admin kit: a model admin's use cases on pages of their own, written once.

    Every write of the admin is a service behind an extra URL of the model admin
    (``object_url``), reached through ``object_to_act_on`` (404 outside the view
    scope, 403 inside it without the right to change), shown as a small form
    (``action_form_page``) or a confirmation page (``admin_page``), and carried out
    by ``submit``: a refusal of the service comes back as an error on the form,
    never as a server error. Mixed in before ``ScopedAdmin``.
    """

    def may_act(self, request, obj) -> bool:
        """Whether the user may change ``obj`` through a service: staff of the admin, in change scope."""
        return uses_admin(request.user) and self.in_scope(request, obj, CHANGE)

    def object_to_act_on(self, request, object_id):
        """The record, 404 outside the view scope, 403 inside it without the right to act on it."""
        obj = self.get_object(request, unquote(object_id))
        if not self.may_act(request, obj):
            raise PermissionDenied
        return obj

    def change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def object_url(self, route: str, name: str, view):
        """``<object_id>/<route>/`` behind the admin's guard, named ``admin:<app>_<model>_<name>``."""
        return path(
            f"<path:object_id>/{route}/",
            self.admin_site.admin_view(view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_{name}",
        )

    def admin_page(self, request, template: str, *, title, **context) -> TemplateResponse:
        """A page of its own in the admin's look: a confirmation, a choice, a form of several parts."""
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **context},
        )

    def action_form_page(
        self, request, *, title, intro, subject, form, submit_label, cancel_url, download_url=None
    ) -> TemplateResponse:
        """The page of one small form: what it is about (``subject``), why, the form, and a way back."""
        return self.admin_page(
            request,
            ACTION_FORM_TEMPLATE,
            title=title,
            intro=intro,
            subject=subject,
            download_url=download_url,
            form=form,
            submit_label=submit_label,
            cancel_url=cancel_url,
        )

    def submit(self, request, form, act: Callable, *, done, then, field_names=None):
        """Carry out ``act(cleaned_data)`` for a valid form; the redirect after it, or None to show the form.

        ``done`` (the success message) and ``then`` (where to go) are text, or
        functions of what ``act`` returned. A refusal of the service lands on the
        form, on the input at fault (``field_names`` as in ``add_service_error``).
        """
        if not form.is_valid():
            return None
        try:
            result = act(form.cleaned_data)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error, field_names)
            return None
        messages.success(request, done(result) if callable(done) else done)
        return redirect(then(result) if callable(then) else then)


def posted(request):
    """The form's data on a POST; nothing (an unbound form) otherwise."""
    return request.POST if request.method == "POST" else None


class ScopedTabularInline(ScopedPermissionsMixin, admin.TabularInline):
    """Rows of a parent shown on its page: editable only while the parent is in the user's change scope."""

    extra = 0

    def _parent_in_change_scope(self, request, obj) -> bool:
        if obj is None:
            return True
        queryset = type(obj)._default_manager.restrict(request.user, CHANGE)
        return remembered(
            request,
            ("in scope", obj._meta.label_lower, obj.pk, CHANGE),
            queryset.filter(pk=obj.pk).exists,
        )

    def has_view_permission(self, request, obj=None):
        return uses_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return self.may_edit(request) and self._parent_in_change_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_edit(request) and self._parent_in_change_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = _scoped_choices(db_field, request)
        if queryset is not None:
            kwargs.setdefault("queryset", queryset)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _scoped_choices(db_field, request):
    """The related rows a user may pick: those in their change scope, where the related model is scoped."""
    related_model = db_field.remote_field.model
    if scope_path_of(related_model) is None:
        return None
    return related_model._default_manager.restrict(request.user, CHANGE)
