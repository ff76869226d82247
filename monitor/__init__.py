"""monitor: a news-monitoring alert daemon.

Pipeline (DESIGN.md): feeds --poll--> FeedItem --extract--> Article --dedup--> Story
--match--> StorylineMatch --status--> StatusChange --outbox--> Alert --> Slack.
"""

__version__ = "0.1.0"
