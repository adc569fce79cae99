"""People administration without the database: what a person's fields accept, and the
leadership roster read from a CSV file and compared with the people already stored."""
