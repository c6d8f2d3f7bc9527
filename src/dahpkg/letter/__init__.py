"""The letter's own package: Table I built and rendered, the claims of its text, the cohort.

`build` turns Table I as printed into the tidy episode table; `table1` renders it again in the
letter's layout; `reproduce` checks every quantitative claim of the text; `summary` describes
the cohort, in the `columns` asked for. `layout` holds Table I's printed layout, `cohort` the
per-patient table the claims and the summary share, `claims` the letter's statements and
`observe` how each is observed.
`scope` says which package is the letter's (it carries Table I as printed): `build` and
`reproduce` refuse any other, and `table1` and `summary` describe another package as its own.
"""
