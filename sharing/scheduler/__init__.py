"""The scheduler: one active process runs the recurring jobs; the database decides which one."""
