"""Closing a month: a run is reviewed and approved (审核 → 批准) and then locked; a locked month is
reopened only as a new version; corrections after pay day go into the next open month."""
