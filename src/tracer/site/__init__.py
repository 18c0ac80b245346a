"""`trace site`: the committed catalogue as static HTML pages.

collect.py finds the diagrams and their pictures, pages.py turns one
operation or the index into HTML, build.py writes the folder.
"""
