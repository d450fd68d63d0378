# The two Avro schemas the contract tests produce with, and a helper that
# registers one. Sourced after serve.sh's start_serve (needs $LOCH, $REGISTRY).
#   v1: the topic's contract; v2: a compatible later version, registered
#   under another subject so records written with it violate the contract.
v1='{"type":"record","name":"User","namespace":"loch.test","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}'
v2='{"type":"record","name":"User","namespace":"loch.test","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}'
register() {  # register SUBJECT SCHEMA -> prints the id
  "$LOCH" schema register "$1" --schema "$2" --registry-url "$REGISTRY" | grep -o 'schema id [0-9]*' | cut -d' ' -f3
}
