"""leadbot's core: settings, storage, services and Block Kit builders, free of Bolt."""
