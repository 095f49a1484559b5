"""The files organisers bring, read and checked without writing anything.

`roster` (the delegates list), `agenda` (the programme, from a table or TOML) and `results`
(a counting committee's minutes) turn a file into validated rows plus every problem found, as
locale keys; `reports` holds the pieces of the import reports they share. Reading a table
itself (CSV, XLSX, headers) is `bot.tabular`'s.
"""
