"""``make cluster``: Kezek's production shape on one machine, each part on its own network host (issue 16)."""
