from emulators._base import main
from emulators.social import create_app

if __name__ == "__main__":
    main(create_app, prog="emulators.social")
