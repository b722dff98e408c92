"""Shared values every part uses: money in fen, issues, privacy and file-name safety, backups, the versioned statutory tables, the clause registry, the working calendar, helper processes."""
