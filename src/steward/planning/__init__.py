"""Project plans: needs assessment, phases from templates, tasks with dependencies, board and timeline, RACI, go-live readiness gate."""
