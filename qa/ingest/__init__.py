"""Reading documents of every format into raw text and tables (one module per format).

``formats.READERS`` maps a file suffix to its reader; ``qa.read`` cleans what
they give back into ``Document`` records.
"""
