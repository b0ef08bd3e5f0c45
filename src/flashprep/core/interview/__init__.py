"""Interview practice on top of the study layer: the interview plan (pace and reviews brought
forward for a date), mock rounds and the questions they draw, STAR stories, answer times."""
