"""台账导入: bring a community's Excel ledger in, safely, fast and all-or-nothing.

files.py   refuses hostile or broken files and reads rows (.xlsx, .xls, .csv)
columns.py the template's columns and the header variants real ledgers use
cells.py   turns messy cells into clean values (dates, digits, 民族, choices)
rows.py    validates one row into a household part and a resident part
pipeline.py resolves rows against the database, previews (dry run) and commits
"""
