"""Storylines: relevance matching (match), status cues and facts (status), and the
state machine that turns observations into status changes (tracker)."""
