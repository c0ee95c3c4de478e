"""Thin Bolt listeners: ack, pull plain values from Slack's payload, call a service, answer."""
