"""The checks `lint` runs, one kind per module; each returns findings and changes nothing.

    tags.py             tags closed within their paragraph, blocks opened and closed in order
    syntax.py           Jinja syntax of a single tag
    quotes.py           typographic quotes in tags (and --fix-quotes)
    split_tags.py       tags Word split over runs docxtpl cannot rejoin
    review_marks.py     tracked changes, tracking switched on, comments
    jinja_analysis.py   each part parsed as Jinja sees it
    variables.py        variables, loops and filters resolved against the catalogue
    clauses.py          the Bescheid's mandatory clauses, without rendering
    sample_rendering.py filling with the sample cases
"""
