"""`python -m bench`: every benchmark, each printing its own figures."""

from bench import cold_start


def main() -> None:
    cold_start.main()


if __name__ == "__main__":
    main()
