# The chat and flows tables share the store's metadata: importing any of store.sql registers
# them, so Alembic's autogenerate and `create_all` always see the whole schema.
from store.sql import chat_orm as chat_orm
from store.sql import flows_orm as flows_orm
from store.sql import security_orm as security_orm
