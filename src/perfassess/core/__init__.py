"""The types every layer shares: problems and the error catalogue, field statuses."""
