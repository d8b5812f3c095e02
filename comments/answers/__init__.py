"""Answers to a round's questions: input, like comments (a written answer is one)."""
