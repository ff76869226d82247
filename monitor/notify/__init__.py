"""The notify stage (Alert -> Slack): message rendering, notifiers and the outbox dispatcher."""
