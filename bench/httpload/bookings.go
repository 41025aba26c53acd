package main

func reportBookings(clients, creates, reps int) error { return nil }
