"""leadbot's HTTP API (`/api/v1/…`): leads, follow-ups and orders in and out for web forms, phone systems and CRMs."""
