"""The deterministic dialogue manager: state as data, one manager for every understander."""
