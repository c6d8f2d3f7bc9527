"""REDCap in and out: a data dictionary made from the Table Schema, and a REDCap record export
read back into the tidy episode table. Sits beside letter and privacy: it reads the schema and
validates, and writes no package."""
