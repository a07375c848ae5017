'use strict';
const path = require('path');
const { readFile } = require('fs').promises;

function load(name) {
  return readFile(path.join(__dirname, name));
}

module.exports.handler = async function (event) {
  const body = await load(event.name);
  return body.toString();
};

class Cache {
  get(key) {
    return this.map.get(key);
  }
}

module.exports.Cache = Cache;
