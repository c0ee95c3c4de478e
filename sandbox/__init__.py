"""`leadbot sandbox`: a local stand-in for Slack (Web API and signed requests), shared with the tests."""
