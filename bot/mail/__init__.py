"""Reading the sales mailbox: parsing messages into plain facts, and the IMAP mailbox they come from."""
