"""Reading the ledgers offices keep in Excel: sheets, their headers, their cells."""
