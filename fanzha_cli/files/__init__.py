"""Files in and out: exports read into warnings, the station list, the day's export."""
