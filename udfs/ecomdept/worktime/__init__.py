"""Time at work: shifts and schedules, attendance per person-day, overtime, leave entitlements and the attendance alerts."""
