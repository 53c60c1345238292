"""Generated data in one home: the demo, the national data set, and the rules the two share.

``rules`` holds how a parent, a child, an IIN, a phone number or a benefit
document is drawn; ``demo`` and ``national`` use those rules and nothing else
draws people. The package sits above every app it fills (docs/architecture.md)
and no app imports it.
"""
