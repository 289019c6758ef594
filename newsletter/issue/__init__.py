"""The newsletter itself: plan an issue, the data its templates see, render it, the e-mail and the web pages. Pure but for the template loader."""
