"""review's rules, free of any framework or driver: case statuses, deadlines, queue paging."""
