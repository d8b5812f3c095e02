"""Cursor pagination for comment lists (DRF's CursorPagination, oldest first).

A page number costs an OFFSET (the database reads every earlier row) and a
COUNT, and a comment posted meanwhile shifts later pages by one; a cursor
page seeks the ``created_at`` index instead, and never skips nor repeats a
comment.  Comments created in the same microsecond (bulk imports) are told
apart by DRF's offset within the position, up to ``offset_cutoff`` of them.
"""

from rest_framework.pagination import CursorPagination


class CommentCursorPagination(CursorPagination):
    ordering = ("created_at", "pk")
    page_size = 50
