"""The read side: loads a cycle and runs the pure core."""
