package com.example.orders;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class OrderService {
    private static final Logger log = LoggerFactory.getLogger(OrderService.class);
    private static final String FIND_BY_USER = "SELECT id, total, state FROM orders WHERE user_id = ?";

    private final DataSource dataSource;

    public OrderService(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<Order> findByUser(long userId) throws SQLException {
        try (Connection conn = dataSource.getConnection();
             PreparedStatement ps = conn.prepareStatement(FIND_BY_USER)) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                List<Order> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Order(rs.getLong("id"), rs.getLong("total"), rs.getString("state")));
                }
                return out;
            }
        }
    }

    public Optional<Order> cheapest(long userId) {
        try {
            return findByUser(userId).stream().min((a, b) -> Long.compare(a.total(), b.total()));
        } catch (SQLException e) {
            log.error("load orders for user {}", userId, e);
            return Optional.empty();
        }
    }

    public record Order(long id, long total, String state) {
        public boolean isOpen() {
            return "open".equals(state);
        }
    }
}
