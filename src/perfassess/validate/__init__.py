"""Input checks: returns against a pack's declared inputs."""
