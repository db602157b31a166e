"""What staff learned: the echo, figures per message, retention and the privacy pages."""
