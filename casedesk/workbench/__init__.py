"""The agent's workbench over the cases: saved views of the queues, saved replies, and
actions on many cases at once (each through the case actions)."""
