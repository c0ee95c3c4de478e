"""What people read and type: the catalog, formatting, amounts, company names, the `/lead` parser."""
