"""The administrator's side: a small database (documents, audit, question log, feedback),
publishing documents and lexicon fixes into the served index, and duty-list exports.

Library code only: the web pages and routes live in ``ui/admin.py``.
"""
