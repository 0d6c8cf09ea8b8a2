"""The rules of on-call, free of any terminal, server or database: the domain's plain
data, errors, the wire format, shifts, readiness, recommendations and the planning model."""
