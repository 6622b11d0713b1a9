"""PhotoAI's built-in plugins (installed as ``photoai_plugins``; one subpackage per task)."""
