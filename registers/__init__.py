"""The state registers Kezek asks about people (issue 18): each behind one small interface.

A plain package without models, above ``core`` and below ``applications``: it
imports only ``core`` and Django's settings, and the apps that ask a register
(``applications``) record the audit event with their reason. The person register
(ГБД ФЛ) is ``registers.persons``; the mobile-numbers register is
``accounts.phone_register`` (docs/integrations.md).
"""
