"""Running Gatehouse like production on one machine: the stack (make prod), a load test and fault drills."""
