# frozen_string_literal: true

require "json"
require_relative "store"

module Jobs
  LIMIT = 10

  # Queue holds jobs.
  class Queue
    attr_reader :items

    def initialize
      @items = []
    end

    # push adds a job.
    def push(job)
      return false if @items.size >= LIMIT

      @items.each do |i|
        raise ArgumentError, "dup" if i == job
      end
      @items << job
      true
    end

    def self.build = new
  end
end
