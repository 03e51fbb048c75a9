"""What people see, as plain data and tables: page views, reports, text tables."""
