"""Chat model clients, chosen from the settings: offline, OpenAI, OpenAI-compatible."""
