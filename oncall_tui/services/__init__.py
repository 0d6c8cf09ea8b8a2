"""The use cases: one service per area, each a transaction checked against its policy."""
