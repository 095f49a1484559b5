"""The files organisers bring, read and checked without writing anything; and the files the
bot writes for them.

`roster` (the delegates list), `agenda` (the programme from a table, or from TOML through
`agenda_toml`; both follow `agenda_rules`) and `results` (a counting committee's minutes,
whose table of candidates or counts is `results_table`) turn a file into validated rows plus
every problem found, as locale keys; `reports` holds the pieces of the import reports they
share. Reading a table itself (CSV, XLSX, header, cells) is `bot.tabular`'s. `export` writes
the tables the bot hands out (the roster export) so that a spreadsheet runs none of their text.
"""
