"""Files for people (CSV, Excel, Markdown, Word and the PNG chart), built from the domain's
plain figures. Nothing here opens a database session: the adapter asks `training` for the
figures in one unit of work, then hands them here, off the event loop (a file is CPU work)."""
